package main

const helpText = `weft runs a shell command for each input, many at once.

Usage:
  weft [options] command [args...] [::: values...] [:::: files...]
  producer | weft [options] command

Inputs (one job per input; several ::: or :::: groups give every combination,
the last group varying fastest):
  ::: a b c            the values a, b and c
                         weft echo ::: a b c
  :::: FILE            the lines of FILE (- for stdin)
                         weft 'wc -l' :::: files.txt
  -a, --arg-file FILE  the lines of FILE, like :::: FILE
                         weft -a urls.txt 'curl -sO {}'
  (none of the above)  the lines of stdin
                         ls *.log | weft gzip
  -0, --null           records end with NUL instead of newline
                         find . -print0 | weft -0 'du -s {}'
  -d, --delimiter D    records end with D (\n, \t and \0 understood)
                         printf 'a,b,c' | weft -d , echo
  -C, --colsep REGEX   split each record into columns {1} {2} ...
                         weft --colsep , 'echo {2} {1}' :::: pairs.csv

Replacement strings (values are shell-quoted: an input is data, never code):
  {}     the input             weft 'cp {} /backup/' ::: a.txt
  {.}    without extension     weft 'convert {} {.}.png' ::: x.jpg
  {/}    base name             weft 'echo {/}' ::: /tmp/x.txt
  {//}   directory             weft 'echo {//}' ::: /tmp/x.txt
  {/.}   base name without extension
  {#}    job number, from 1    weft 'echo {#}: {}' ::: a b
  {%}    job slot, 1 to -j     weft -j 2 'echo slot {%}' ::: a b c
  {n}    the n-th group or column, with the same modifiers ({2/.})
                               weft 'echo {1}-{2}' ::: a b ::: 1 2
  A command without replacement strings gets the input appended. With no
  command at all, each input is itself the command line to run.

Running:
  -j, --jobs N         run N jobs at once (default: the number of CPUs);
                       N% of the CPUs; 0 for as many as possible
                         weft -j 8 ... ; weft -j 50% ... ; weft -j 0 ...
  --timeout D          stop a job after D: SIGTERM to its process group,
                       SIGKILL after the grace period (D: 30s, 1.5, 2m, 1d)
                         weft --timeout 10s 'curl {}' ::: $URLS
  --grace D            grace period between SIGTERM and SIGKILL (default 2s)
                         weft --timeout 1m --grace 5s ...
  --retries N          run a failing job up to N times in all
                         weft --retries 3 'flaky {}' ::: a b
  --retry-delay D      wait D between tries
                         weft --retries 3 --retry-delay 1s ...
  --halt POLICY        never (default); soon,fail=N: start no new job after
                       N failures; now,fail=N: also stop the running ones;
                       fail=P% and success=N likewise
                         weft --halt now,fail=1 'test {}' ::: a b c
  --rate N/s           start at most N jobs per second (also N/m, N/h)
                         weft --rate 5/s 'curl {}' :::: urls.txt
  --delay D            wait D between job starts
                         weft --delay 200ms ...

Output:
  (default)            each job's output is printed whole when it ends,
                       never mixed with another job's; large output goes
                       to a temporary file, not memory
  -k, --keep-order     print in input order
                         weft -k 'sleep {}; echo {}' ::: 3 1 2
  --line-buffer, --lb  print whole lines as soon as they come
                         weft --lb 'ping -c 3 {}' ::: a b
  -u, --ungroup        print output as it comes (lines may mix)
                         weft -u 'long-job {}' ::: a b
  --tag                prefix each line with the input and a tab
                         weft --tag 'wc -l {}' ::: *.txt
  --joblog FILE        record each finished job in GNU parallel's format
                         weft --joblog jobs.tsv 'make {}' ::: a b
  --resume             with --joblog: skip the jobs the log already has
                         weft --joblog jobs.tsv --resume 'make {}' ::: a b
  --resume-failed      with --joblog: also run again the jobs that failed
                         weft --joblog jobs.tsv --resume-failed ...
  --dry-run            print the commands instead of running them
                         weft --dry-run 'rm {}' ::: a b
  --bar                show progress on stderr (when it is a terminal)
                         weft --bar 'gzip {}' ::: *.log
  --eta                show progress with the estimated time left
                         weft --eta ...
  -h, --help           this text
  --version            the version

Many machines (through NATS JetStream):
  weft serve [--store DIR] [--listen HOST:PORT]
                       run an embedded NATS server with JetStream (default
                       store ./weft-store, address 127.0.0.1:4222); prints
                       its URL; stops on SIGINT or SIGTERM
                         weft serve --listen 0.0.0.0:4222
  weft worker [--nats URL] [-j N] [--stream S] [--name NAME]
              [--ack-wait D] [--max-deliver N]
                       run the jobs submitted to stream S (default weft),
                       N at once; --name is the joblog's Host column
                       (default the host name); a job of a worker that
                       vanished goes to another after --ack-wait (default
                       30s); a job handed out --max-deliver times (default
                       5) is recorded as failed. SIGTERM: take no new job,
                       finish the running ones, exit 0; SIGINT or a second
                       signal: stop them too, hand them back, exit 130/143
                         weft worker --nats nats://queue.example:4222 -j 8
  --nats URL           run the jobs on the workers instead of here (also
                       "weft run --nats URL ..."); output, -k, --joblog,
                       --halt, --retries, --timeout and the exit status work
                       as in a local run; -u and --line-buffer do not
                         weft --nats nats://127.0.0.1:4222 -k 'make {}' ::: a b
  --stream S           with --nats: the stream to submit to (default weft)
                         weft --nats $URL --stream builds 'make {}' ::: a b
  --run-id ID          with --nats: name the run (default: a random ID,
                       printed on stderr); starting the same command with the
                       same ID again (after a crash, or to print it again)
                       collects the results and reruns nothing that finished
                         weft --nats $URL --run-id nightly 'make {}' ::: a b
  Delivery is at least once: a job whose worker dies before reporting it
  runs again on another worker. Results are kept on the server for 24h.

Signals: on SIGINT or SIGTERM weft starts nothing new, sends SIGTERM to each
running job's process group, SIGKILL after the grace period, and exits with
130 (SIGINT) or 143 (SIGTERM); a second SIGINT kills the jobs at once. A job
is its process group: what it leaves running when its shell exits is killed,
and if weft itself is killed (SIGKILL), a helper process it started kills the
running jobs' groups.

Exit status: 0 when every job succeeded; 1-100 the number of failed jobs;
101 for more; with --halt on failures, the failing job's status; 255 for
bad usage or other errors (reported before any job starts).

Example (the README's main job):
  weft -j 4 'echo hello {}' ::: a b c
`
