"""The supervisor board: every job of every operator and workstation, filtered, sorted and acted on."""
