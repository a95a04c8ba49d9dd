"""The regional roll-up: the district reports of one month → the region's workbook.

`reading` checks and sums the district reports of a folder; `book` writes the region's
workbook.
"""

from pipeline.rollup.book import output_inside, rollup_path, write_rollup_workbook
from pipeline.rollup.reading import (
    STATUS_ACCEPTED,
    STATUS_MISSING,
    STATUS_REJECTED,
    STATUS_REPLACED,
    DistrictFile,
    DistrictRow,
    Rollup,
    RollupError,
    district_key,
    load_expected,
    rollup,
)

__all__ = ["STATUS_ACCEPTED", "STATUS_MISSING", "STATUS_REJECTED", "STATUS_REPLACED",
           "DistrictFile", "DistrictRow", "Rollup", "RollupError", "district_key",
           "load_expected", "output_inside", "rollup", "rollup_path", "write_rollup_workbook"]
