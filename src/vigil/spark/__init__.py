"""Apache Spark: the scale-out engine for the stages whose work is independent per record.

``settings`` reads the ``spark`` block of a params section; ``session`` starts (or
joins) a Spark session from it. Nothing here imports pyspark at module level: the
local engine must not need Java or pyspark installed.
"""
