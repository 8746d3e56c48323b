#!/usr/bin/env python3
# Prints the task environment variables below (the classes and settings
# Hadoop's StreamJob and job submission record in the job configuration,
# and the defaults that streaming programs read) for a map or a reduce
# task, then passes stdin through. Values that are paths of the runner's
# own directories are shown only as set or unset.
import os, sys

NAMES = """mapreduce_cluster_local_dir mapred_local_dir mapreduce_map_output_key_class
mapreduce_map_output_value_class mapreduce_job_output_key_class mapreduce_job_output_value_class
mapreduce_task_io_sort_factor mapreduce_task_io_sort_mb mapreduce_jobtracker_address mapred_job_tracker
mapred_map_tasks mapreduce_job_maps mapreduce_job_reduces mapred_mapper_class mapred_map_runner_class
mapred_reducer_class mapred_combiner_class mapred_mapper_new_api mapred_reducer_new_api
stream_map_input_writer_class stream_map_output_reader_class stream_reduce_input_writer_class
stream_reduce_output_reader_class mapreduce_client_genericoptionsparser_used mapred_skip_on
mapreduce_job_skiprecords dfs_bytes_per_checksum mapred_queue_default_acl_administer_jobs
mapreduce_job_name my_custom_key FOO""".split()
PATHS = {"mapreduce_cluster_local_dir", "mapred_local_dir"}

role = sys.argv[1]
for line in sys.stdin:
    sys.stdout.write(line)
for name in NAMES:
    value = os.environ.get(name)
    if value is None:
        value = "<unset>"
    elif name in PATHS:
        value = "<set>" if value else "<empty>"
    print(f"{role}:{name}\t{value!r}")
