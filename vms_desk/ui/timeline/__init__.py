"""The timeline widget, its painting, the exact time fields and the recordings loader."""
