"""vms_desk: export video evidence from video management systems."""

__version__ = "0.1.0"
APP_NAME = "vms_desk"
