"""Synthetic inputs, never used by a run: the bloc's sample reports (``demo``) and the benchmark sets at
province and national scale (``scale``)."""
