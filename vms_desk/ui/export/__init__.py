"""The export dialog: option widgets generated from capabilities, and the area editor."""
