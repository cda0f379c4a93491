"""Evidence folders: the offline evidence browser and the preview/open actions."""
