"""The speed machinery, behind one seam: what makes a region's month take seconds.

The stages of a run (pipeline/consolidate.py) call it through a few names and never need
to know how it works:

- `keys`: what a cached result depends on. One digest of the whole installed package's
  sources and its dependencies' versions (nothing hand-listed), with the workspace's
  settings, registry and indicators; with caches off, a key no earlier run can have made.
- `digests`: what the outputs need of an accepted file, made in the worker processes and
  kept in the ledger, so that a file checked once is never read again.

With the caches off (`run_period(..., caches=False)`) a run reads, checks, digests and
renders everything afresh, and gives the same outputs cell for cell (tests/test_engine.py).
"""
