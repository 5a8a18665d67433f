"""The Board's web console (``pdv console``): uploads, issues, dashboards, extracts and runs."""
