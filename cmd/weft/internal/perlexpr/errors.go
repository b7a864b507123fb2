package perlexpr

import "errors"

// ErrClosed is returned by Eval once Close has been called, including to
// the calls that were waiting for perl when it was.
var ErrClosed = errors.New("perlexpr: evaluator closed")

// CompileError is returned by Start when an expression does not compile.
// Its message names the expression as written and gives perl's message on
// one line: cannot compile {= $_= =}: syntax error at (eval 1) line 1, at EOF.
type CompileError struct {
	// Expr is the expression that does not compile.
	Expr Expr
	// Msg is perl's message, on one line.
	Msg string
}

// Error returns the message.
func (e *CompileError) Error() string { return "cannot compile " + e.Expr.Text + ": " + e.Msg }

// EvalError is returned by Eval when an expression dies (die, a call to an
// undefined function, exit, total_jobs() in a run that does not know the
// total). The evaluator stays usable: only that job fails. Its message names
// the expression as written and gives perl's message on one line.
type EvalError struct {
	// Expr is the expression that died.
	Expr Expr
	// Arg is the index, in Job.Args, of the argument it was evaluated on.
	Arg int
	// Msg is perl's message, on one line.
	Msg string
}

// Error returns the message.
func (e *EvalError) Error() string { return e.Expr.Text + ": " + e.Msg }
