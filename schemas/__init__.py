"""pandera schemas, one module per source, and the bridge from schema errors to findings."""
