"""Readers: turn raw files into tidy DataFrames plus findings, never raising on bad input."""
