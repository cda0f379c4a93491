"""Qt-free presentation: how jobs, spans and the timeline's data and ruler read to people."""
