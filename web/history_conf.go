package web

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"zebra/jobtracker/api"
)

// A job's configuration as the JobHistory Server's conf route shows it:
// every setting the job made (its job.xml: the client's site
// configuration, each -D and what the streaming options set), the
// settings zebra derives from its plan (number of maps and reduces,
// queue, user, output, attempts), and Hadoop's defaults (mapred-default.xml,
// core-default.xml) for the settings zebra honours that the job left
// alone. Sensitive values are redacted (sensitiveConf), and so is every
// -cmdenv value.

// Configuration sources, as Hadoop names them.
const (
	sourceJob           = "job.xml"
	sourceMapredDefault = "mapred-default.xml"
	sourceCoreDefault   = "core-default.xml"
)

// hadoopDefaults are Hadoop 3.4.1's defaults (mapred-default.xml and
// core-default.xml) of the settings zebra reads or reports; the test
// compares them with the files in Hadoop's jars.
var hadoopDefaults = map[string]struct{ value, source string }{
	"mapreduce.job.queuename":                                 {"default", sourceMapredDefault},
	"mapreduce.job.reduces":                                   {"1", sourceMapredDefault},
	"mapreduce.job.maps":                                      {"2", sourceMapredDefault},
	"mapreduce.map.maxattempts":                               {"4", sourceMapredDefault},
	"mapreduce.reduce.maxattempts":                            {"4", sourceMapredDefault},
	"mapreduce.job.reduce.slowstart.completedmaps":            {"0.05", sourceMapredDefault},
	"mapreduce.job.counters.max":                              {"120", sourceMapredDefault},
	"mapreduce.task.timeout":                                  {"600000", sourceMapredDefault},
	"mapreduce.task.io.sort.mb":                               {"100", sourceMapredDefault},
	"mapreduce.task.io.sort.factor":                           {"10", sourceMapredDefault},
	"mapreduce.map.sort.spill.percent":                        {"0.80", sourceMapredDefault},
	"mapreduce.map.output.compress":                           {"false", sourceMapredDefault},
	"mapreduce.map.output.compress.codec":                     {"org.apache.hadoop.io.compress.DefaultCodec", sourceMapredDefault},
	"mapreduce.output.fileoutputformat.compress":              {"false", sourceMapredDefault},
	"mapreduce.output.fileoutputformat.compress.codec":        {"org.apache.hadoop.io.compress.DefaultCodec", sourceMapredDefault},
	"mapreduce.output.fileoutputformat.compress.type":         {"RECORD", sourceMapredDefault},
	"mapreduce.input.fileinputformat.split.minsize":           {"0", sourceMapredDefault},
	"mapreduce.input.lineinputformat.linespermap":             {"1", sourceMapredDefault},
	"mapreduce.job.ubertask.enable":                           {"false", sourceMapredDefault},
	"mapreduce.task.files.preserve.failedtasks":               {"false", sourceMapredDefault},
	"mapreduce.input.fileinputformat.list-status.num-threads": {"1", sourceMapredDefault},
	"fs.defaultFS":                                            {"file:///", sourceCoreDefault},
	"io.file.buffer.size":                                     {"4096", sourceCoreDefault},
	"hadoop.tmp.dir":                                          {"/tmp/hadoop-${user.name}", sourceCoreDefault},
	"fs.permissions.umask-mode":                               {"022", sourceCoreDefault},
	"io.seqfile.compress.blocksize":                           {"1000000", sourceCoreDefault},
}

// planConf are the settings a plan implies, named as Hadoop's job.xml
// names them: what the job ran with, over what it asked for (Hadoop's
// JobSubmitter also sets mapreduce.job.maps to the number of splits).
func planConf(p *api.Plan) map[string]string {
	m := map[string]string{
		"mapreduce.job.maps":                               strconv.Itoa(len(p.Splits)),
		"mapreduce.job.reduces":                            strconv.Itoa(p.Reduces),
		"mapreduce.fileoutputcommitter.marksuccessfuljobs": strconv.FormatBool(p.MarkSuccess),
	}
	if p.Output != "" {
		m["mapreduce.output.fileoutputformat.outputdir"] = p.Output
	}
	if p.MaxMapAttempts > 0 {
		m["mapreduce.map.maxattempts"] = strconv.Itoa(p.MaxMapAttempts)
	}
	if p.MaxReduceAttempts > 0 {
		m["mapreduce.reduce.maxattempts"] = strconv.Itoa(p.MaxReduceAttempts)
	}
	return m
}

// hadoopSensitiveKeys is Hadoop 3.4.1's default
// hadoop.security.sensitive-config-keys (core-default.xml): regular
// expressions that Hadoop's ConfigRedactor finds anywhere in a key. The
// test compares the list with the file in Hadoop's jar.
var hadoopSensitiveKeys = []string{
	`secret$`, `password$`, `ssl.keystore.pass$`,
	`fs.s3a.server-side-encryption.key`, `fs.s3a.*.server-side-encryption.key`,
	`fs.s3a.encryption.algorithm`, `fs.s3a.encryption.key`,
	`fs.s3a.secret.key`, `fs.s3a.*.secret.key`,
	`fs.s3a.session.key`, `fs.s3a.*.session.key`,
	`fs.s3a.session.token`, `fs.s3a.*.session.token`,
	`fs.azure.account.key.*`, `fs.azure.oauth2.*`, `fs.adl.oauth2.*`,
	`fs.gs.encryption.*`, `fs.gs.proxy.*`, `fs.gs.auth.*`,
	`credential$`, `oauth.*secret`, `oauth.*password`, `oauth.*token`,
	`hadoop.security.sensitive-config-keys`,
}

// sensitiveConf matches the configuration keys and environment variable
// names whose values are never shown: every key Hadoop's default
// hadoop.security.sensitive-config-keys patterns match (hadoopSensitiveKeys,
// as they are, so the match is Hadoop's), and more, case-insensitively:
// any name ending in "key" (Swift's fs.swift.service.NAME.apikey, ST_KEY)
// and any naming a password, secret, token or credential anywhere.
var sensitiveConf = regexp.MustCompile(`(?i)(` + strings.Join(hadoopSensitiveKeys, "|") +
	`|secret|password|passwd|credential|token|key$|keystore\.pass|oauth)`)

// redacted replaces a sensitive value (Hadoop's ConfigRedactor text).
const redacted = "<redacted>"

// redactEnv redacts the values of a -cmdenv list as stream.addenvironment
// holds it (NAME=VALUE words joined by spaces): every value but an empty
// one, and every word without a name (the rest of a -cmdenv value that
// had spaces).
func redactEnv(v string) string {
	words := strings.Split(v, " ")
	for i, w := range words {
		if name, val, ok := strings.Cut(w, "="); ok && val != "" {
			words[i] = name + "=" + redacted
		} else if !ok && w != "" {
			words[i] = redacted
		}
	}
	return strings.Join(words, " ")
}

// redactConf is the value of setting k as shown.
func redactConf(k, v string) string {
	switch {
	case sensitiveConf.MatchString(k):
		return redacted
	case k == "stream.addenvironment":
		return redactEnv(v)
	}
	return v
}

// confOf is a job's effective configuration, sorted by name, redacted.
func confOf(p *api.Plan) []api.HSProperty {
	byName := map[string]api.HSProperty{}
	for k, d := range hadoopDefaults {
		byName[k] = api.HSProperty{Name: k, Value: d.value, Source: []string{d.source}}
	}
	for k, v := range map[string]string{"mapreduce.job.queuename": "default", "mapreduce.job.name": p.Name,
		"mapreduce.job.user.name": p.User} {
		byName[k] = api.HSProperty{Name: k, Value: v, Source: []string{sourceJob}}
	}
	for k, v := range p.Conf {
		byName[k] = api.HSProperty{Name: k, Value: v, Source: []string{sourceJob}}
	}
	for k, v := range planConf(p) {
		byName[k] = api.HSProperty{Name: k, Value: v, Source: []string{sourceJob}}
	}
	out := make([]api.HSProperty, 0, len(byName))
	for _, prop := range byName {
		prop.Value = redactConf(prop.Name, prop.Value)
		out = append(out, prop)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
