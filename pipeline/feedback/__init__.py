"""The school's own file back, every problem marked: the thing a school fixes and resends.

The feedback workbook opens on «Замечания» (a receipt and the list of problems), followed by
the school's sheets as they were sent, with each problem cell filled (errors red, warnings
yellow) and a comment that says what is wrong and how to fix it. `marks` says what is marked
and listed; two writers lay it out. An .xlsx is marked by editing its package's parts as text
(`package`), so the school's formatting and drop-downs survive byte for byte; what that
cannot edit, as it finds by looking at the file (an .xlsm, our own feedback sent back, an odd
package), is marked with openpyxl (`book`); an .xls or .ods cannot be marked in place and
becomes a faithful .xlsx copy of its values.
"""

from pipeline.feedback.marks import FILLS as FILLS
from pipeline.feedback.marks import SHEET_NAME as SHEET_NAME
from pipeline.feedback.marks import TABLE_HEADER_ROW as TABLE_HEADER_ROW
from pipeline.feedback.marks import listed_issues as listed_issues
from pipeline.feedback.marks import receipt_rows as receipt_rows
from pipeline.feedback.writer import write_feedback as write_feedback
from pipeline.feedback.writer import write_feedbacks as write_feedbacks
