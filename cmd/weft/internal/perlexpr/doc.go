// Package perlexpr gives weft GNU parallel's perl replacement strings:
// {= perl expression =}, {=N perl expression =}, --rpl 'TAG perl
// expression' (plain, positional as {2TAG}, and dynamic, with a regexp in
// the tag), --parens, and the replacement strings of --plus (Syntax.Plus),
// which are GNU parallel's own --rpl definitions.
//
// There are two halves. A [Parser] splits a command template into literal
// text, perl expressions and the replacement strings that the caller
// implements itself (its native tags, such as {} and {.}), in GNU
// parallel's order: {= =} first, then every tag, longest first. An
// [Evaluator] runs one perl process for the whole run, compiles every
// expression once, before any job runs, and evaluates them for each job:
//
//	p, err := perlexpr.NewParser(perlexpr.Syntax{Native: []string{"{}"}, Rpl: rpls})
//	t, err := p.Parse(command)
//	ev, err := perlexpr.Start(ctx, p.Exprs()) // no process without an expression
//	defer ev.Close()
//	calls := t.AppendCalls(nil, len(args))
//	res, err := ev.Eval(ctx, perlexpr.Job{Args: args, Seq: seq, Slot: slot}, calls)
//	v, ok := res.Value(seg.Expr, argIndex) // for each expression segment
//
// Inside an expression, as in GNU parallel: $_ is the argument and what the
// expression leaves in $_ is the value; @arg holds the job's arguments from
// $arg[1]; $job->seq(), $job->slot() and $job->skip() work; and the
// functions Q, pQ, uq, hash, total_jobs, slot, seq, skip and the date
// functions yyyy_mm_dd_hh_mm_ss, yyyy_mm_dd_hh_mm, yyyy_mm_dd, hh_mm_ss,
// hh_mm, yyyymmddhhmmss, yyyymmddhhmm, yyyymmdd, hhmmss and hhmm are
// defined. The date functions take an optional time in seconds since the
// epoch, as GNU parallel 20260422 documents (20221122 takes none).
// Expressions share one perl interpreter, so package variables set by one
// job are seen by the next, as in GNU parallel.
//
// A value is returned with whether it should be shell-quoted (it should,
// unless the expression called uq); quoting is the caller's. Within a job,
// each expression is evaluated once per argument, however often it
// appears, as GNU parallel caches it.
//
// Errors about the user's text (a template, --rpl, --parens, an expression
// that does not compile or dies) name that text and carry no package
// prefix: the command prints them after its own name.
package perlexpr
