"""Development tools: demo data, network seeding, the stack runner (`make run`), the benchmark.

Never imported by product code; production leaves it out of INSTALLED_APPS (BCRP_DEVTOOLS).
"""
