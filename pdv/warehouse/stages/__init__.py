"""The load's journey, one module per stage, all inside the run's one transaction.

record → place → settle → cross-check → check → reconcile → marts: each stage reads and fills the
run's ``LoadState`` (``state.py``); ``pdv.warehouse.load.load_run`` runs them in that order.
"""
