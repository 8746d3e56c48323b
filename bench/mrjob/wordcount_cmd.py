#!/usr/bin/env python3
"""examples/wordcount's own mapper.py and reducer.py run by mrjob, for bench/run.sh --mrjob cmd.

The same programs the streaming job and the shell pipeline run (mapper_cmd and
reducer_cmd, uploaded with the job), so mrjob adds only its own splitting,
sorting and task running: the fastest mrjob form of this word count.
Run: python wordcount_cmd.py -r local [--jobconf mapreduce.job.reduces=N] INPUT
"""
import os

from mrjob.job import MRJob
from mrjob.step import MRStep

_HERE = os.path.dirname(os.path.abspath(__file__))
_SCRIPTS = os.path.join(_HERE, "..", "..", "examples", "wordcount")


class WordCountCmd(MRJob):
    FILES = [os.path.join(_SCRIPTS, "mapper.py"), os.path.join(_SCRIPTS, "reducer.py")]

    def steps(self):
        return [MRStep(mapper_cmd="python3 mapper.py", reducer_cmd="python3 reducer.py")]


if __name__ == "__main__":
    WordCountCmd.run()
