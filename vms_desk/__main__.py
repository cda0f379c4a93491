"""`python -m vms_desk` is `vms-desk`."""

import sys

from vms_desk.cli import main

sys.exit(main())
