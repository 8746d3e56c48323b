"""run_luigi.py MODE TASK SRC DST: builds one luigi_tasks task with the
local scheduler; exits 0 when it succeeded."""
import sys

import luigi

import luigi_tasks

mode, task, src, dst = sys.argv[1:5]
ok = luigi.build([getattr(luigi_tasks, task)(mode=mode, src=src, dst=dst)], local_scheduler=True)
sys.exit(0 if ok else 1)
