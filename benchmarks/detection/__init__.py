"""The dominant-dynamic detection benchmark: synthetic clients with known switches, a scorer, baselines."""
