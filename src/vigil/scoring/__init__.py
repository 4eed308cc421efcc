"""Batch scoring (``vigil score``): a released model over a large table of notes, on this machine or on Spark.

``parts`` finds and reads the input's part files, ``model_files`` checks a model
directory against its signed manifest and loads it only after, ``prediction`` turns
probabilities into the output rows, and the engines (``local_engine``,
``spark_engine`` with ``spark_partition`` on the executors) write one output part per
input part.
"""
