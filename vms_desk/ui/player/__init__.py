"""Previews: the embedded libVLC player, the image and PDF viewers, and the preview pane."""
