package perlexpr

// plusTags are the replacement strings that GNU parallel's --plus adds, as
// --rpl definitions (tag, then perl expression), in the version weft follows
// (20221122). The expressions are GNU parallel's own, so that every edge
// case (a name without a dot, a dot in a directory, a newline) comes out the
// same; make_regexp_ungreedy and uniq are defined by the evaluator.
var plusTags = []struct{ spec, code string }{
	// Parts of a path: {} is {+/}/{/}, {.}.{+.}, {..}.{+..} and
	// {...}.{+...} when the input has that many extensions.
	{`{+/}`, `s:/[^/]*$:: || s:.*$::`},
	{`{+.}`, `s:.*\.:: || s:.*$::`},
	{`{+..}`, `s:.*\.([^/.]*\.[^/.]*)$:$1: || s:.*$::`},
	{`{+...}`, `s:.*\.([^/.]*\.[^/.]*\.[^/.]*)$:$1: || s:.*$::`},
	{`{..}`, `s:\.[^/.]*\.[^/.]*$::`},
	{`{...}`, `s:\.[^/.]*\.[^/.]*\.[^/.]*$::`},
	{`{/..}`, `s:.*/::; s:\.[^/.]*\.[^/.]*$::`},
	{`{/...}`, `s:.*/::; s:\.[^/.]*\.[^/.]*\.[^/.]*$::`},
	// Skipping jobs: arguments not in increasing order, or not all
	// different.
	{`{choose_k}`, `for $t (2..$#arg) { if($arg[$t-1] ge $arg[$t]) { skip() } }`},
	{`{uniq}`, `if(::uniq(@arg) != @arg) { skip(); }`},
	// The number of jobs, and the job number padded to its width.
	{`{##}`, `1 $_=total_jobs()`},
	{`{0#}`, `1 $f=1+int((log(total_jobs())/log(10))); $_=sprintf("%0${f}d",seq())`},
	// Like the shell's parameter expansions: ${a:-x} ${a:2} ${a:2:3}
	// ${a#x} ${a##x} ${a%x} ${a%%x} ${a/x/y} ${a/#x/y} ${a/%x/y}
	// ${a//x/y} ${a^x} ${a^^x} ${a,x} ${a,,x}; the patterns are perl
	// regexps, not shell globs.
	{`{:-([^}]+?)}`, `$_ ||= $$1`},
	{`{:(\d+?)}`, `substr($_,0,$$1) = ""`},
	{`{:(\d+?):(\d+?)}`, `$_ = substr($_,$$1,$$2);`},
	{`{#([^#}][^}]*?)}`, `$nongreedy=::make_regexp_ungreedy($$1);s/^$nongreedy(.*)/$1/;`},
	{`{##([^#}][^}]*?)}`, `s/^$$1//;`},
	{`{%([^}]+?)}`, `$nongreedy=::make_regexp_ungreedy($$1);s/(.*)$nongreedy$/$1/;`},
	{`{%%([^}]+?)}`, `s/$$1$//;`},
	{`{/([^#%}/]+?)/([^}]*?)}`, `s/$$1/$$2/;`},
	{`{/#([^}]+?)/([^}]*?)}`, `s/^$$1/$$2/g;`},
	{`{/%([^}]+?)/([^}]*?)}`, `s/$$1$/$$2/g;`},
	{`{//([^}]+?)/([^}]*?)}`, `s/$$1/$$2/g;`},
	{`{^([^}]+?)}`, `s/^($$1)/uc($1)/e;`},
	{`{^^([^}]+?)}`, `s/($$1)/uc($1)/eg;`},
	{`{,([^}]+?)}`, `s/^($$1)/lc($1)/e;`},
	{`{,,([^}]+?)}`, `s/($$1)/lc($1)/eg;`},
	// The job's slot, as the shell reads it from the job's environment:
	// the text ${PARALLEL_JOBSLOT}, unquoted.
	{`{slot}`, `1 $_="\${PARALLEL_JOBSLOT}";uq()`},
}

// plusRefused are the replacement strings of --plus that weft does not
// have, each with what to use instead: they are errors, never text.
var plusRefused = []struct{ spec, why string }{
	{`{0%}`, "weft does not pad the job slot (use $(printf %02d {%}))"},
	{`{host}`, "weft runs no jobs over ssh (jobs on other machines: --nats)"},
	{`{sshlogin}`, "weft runs no jobs over ssh (jobs on other machines: --nats)"},
	{`{hgrp}`, "weft has no host groups"},
	{`{agrp}`, "weft has no host groups"},
}
