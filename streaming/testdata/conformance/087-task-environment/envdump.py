#!/usr/bin/env python3
# Prints the deterministic part of the streaming task environment, then
# passes stdin through. Job numbers are masked: they differ per run
# (job_local123_0001 on a local runner, job_<tracker>_0004 on a cluster).
import os, re, sys

NAMES = """map_input_file mapreduce_map_input_file map_input_start map_input_length
mapreduce_map_input_start mapreduce_map_input_length mapreduce_task_ismap mapred_task_is_map
mapreduce_task_partition mapred_task_partition mapreduce_job_reduces mapred_reduce_tasks
mapreduce_input_fileinputformat_inputdir mapreduce_output_fileoutputformat_outputdir
stream_map_streamprocessor stream_reduce_streamprocessor mapred_input_format_class
mapred_output_format_class my_custom_key FOO HADOOP_ROOT_LOGGER stream_addenvironment
mapreduce_job_user_name user_name mapreduce_task_id mapred_tip_id mapreduce_task_attempt_id
mapred_task_id mapreduce_job_id mapred_job_id mapreduce_task_output_dir mapred_work_output_dir""".split()

role = sys.argv[1]
lines = sys.stdin.read().splitlines()
for line in lines:
    print(line)
for name in NAMES:
    value = os.environ.get(name, "<unset>")
    value = re.sub(r"_(?:local)?\d+_\d{4}(?=_|$)", "_localN_0001", value)
    print(f"{role}:{name}\t{value}")
