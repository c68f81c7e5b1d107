"""In-memory adapters: the fakes for service-layer tests and the store for warm benchmarks.

They follow the same contract suite as the SQLite and DynamoDB adapters, so
a test that passes against them says something true about the real ones.
One module per port; import from the module that defines a name.
"""
