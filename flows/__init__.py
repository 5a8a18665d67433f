"""Prefect flows: thin, typed orchestration over the ``pdv`` package."""
