// The PromQL grammar (chevrotain, embedded actions), one rule per precedence level as in
// Prometheus generated_parser.y, lowest first:
//   or < and/unless < comparisons < +,- < *,/,%,atan2 and unary signs < ^ (right-assoc)
// and postfix `[range]`, `[range:step]`, `offset`, `@` binding tightest.
import { EmbeddedActionsParser, type IOrAlt, type IToken, type ParserMethod, type TokenType } from 'chevrotain';
import type { Expr, LabelMatcher, PosRange, VectorMatching } from '../ast.ts';
import * as T from './tokens.ts';
import * as B from './build.ts';

const endOf = (t: IToken) => t.startOffset + t.image.length;

// Alternatives are built through this helper rather than `{ ALT: () => … }` literals: under tsx,
// esbuild's keepNames would otherwise rename every such closure on every parse, a large cost.
function alt<T>(fn: () => T, ignoreAmbiguities = false, gate?: () => boolean): IOrAlt<T> {
  return gate === undefined ? { ALT: fn, IGNORE_AMBIGUITIES: ignoreAmbiguities } : { ALT: fn, IGNORE_AMBIGUITIES: ignoreAmbiguities, GATE: gate };
}

class PromQLGrammar extends EmbeddedActionsParser {
  constructor() {
    super(T.allTokens, { maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  /** Where the parser stands: end of the last consumed token and start of the next one. */
  position(): { consumedEnd: number; nextStart: number } {
    const last = this.LA(0);
    const next = this.LA(1);
    return {
      consumedEnd: Number.isNaN(last.startOffset) ? 0 : last.startOffset + last.image.length,
      nextStart: Number.isNaN(next.startOffset) ? Infinity : next.startOffset,
    };
  }

  expression = this.RULE('expression', (): Expr => this.SUBRULE(this.orExpr));

  // Every binary level: lhs (op modifiers rhs)*, left-associative.
  private binaryLevel(name: string, op: TokenType, next: ParserMethod<[], Expr>): ParserMethod<[], Expr> {
    return this.RULE(name, (): Expr => {
      let lhs = this.SUBRULE(next);
      this.MANY(() => {
        const tok = this.CONSUME(op);
        const mods = this.SUBRULE(this.binModifiers);
        const rhs = this.SUBRULE2(next);
        lhs = this.ACTION(() => B.binary(lhs, tok, mods, rhs));
      });
      return lhs;
    });
  }

  binModifiers = this.RULE('binModifiers', (): B.BinModifiers => {
    let returnBool = false;
    const matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    this.OPTION(() => { this.CONSUME(T.Bool); returnBool = true; });
    this.OPTION2(() => {
      this.OR([
        alt(() => { this.CONSUME(T.On); matching.on = true; }),
        alt(() => { this.CONSUME(T.Ignoring); }),
      ]);
      matching.labels = this.SUBRULE(this.groupingLabels);
      this.OPTION3(() => {
        this.OR2([
          alt(() => { this.CONSUME(T.GroupLeft); matching.card = 'many-to-one'; }),
          alt(() => { this.CONSUME(T.GroupRight); matching.card = 'one-to-many'; }),
        ]);
        this.OPTION4(() => { matching.include = this.SUBRULE2(this.groupingLabels); });
      });
    });
    return { returnBool, matching };
  });

  // `(a, b,)`: labels with at most one trailing comma.
  groupingLabels = this.RULE('groupingLabels', (): string[] => {
    const labels: string[] = [];
    let open: IToken | undefined;
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      const first = this.CONSUME(T.LabelName);
      this.ACTION(() => labels.push(B.groupingLabel(first)));
      this.MANY(() => {
        const comma = this.CONSUME(T.Comma);
        this.ACTION(() => { if (open !== undefined) throw new B.SyntaxFault(B.tokenRange(comma), 'unexpected "," in grouping opts, expected label'); });
        open = comma;
        this.OPTION2(() => {
          const next = this.CONSUME2(T.LabelName);
          this.ACTION(() => labels.push(B.groupingLabel(next)));
          open = undefined;
        });
      });
    });
    this.CONSUME(T.RParen);
    return labels;
  });

  powExpr = this.RULE('powExpr', (): Expr => {
    let lhs = this.SUBRULE(this.postfixExpr);
    this.OPTION(() => {
      const tok = this.CONSUME(T.Pow);
      const mods = this.SUBRULE(this.binModifiers);
      const rhs = this.SUBRULE(this.unaryExpr);
      lhs = this.ACTION(() => B.binary(lhs, tok, mods, rhs));
    });
    return lhs;
  });

  // A sign binds like `*`: its operand extends over `^` only (-1^2 is -(1^2)).
  unaryExpr = this.RULE('unaryExpr', (): Expr => this.OR([
    alt(
      () => {
        const sign = this.OR2([alt(() => this.CONSUME(T.Plus)), alt(() => this.CONSUME(T.Minus))]);
        const operand = this.SUBRULE(this.unaryExpr);
        return this.ACTION(() => B.unary(sign, operand));
      },
    ),
    alt(() => this.SUBRULE(this.powExpr)),
  ]));

  mulExpr = this.binaryLevel('mulExpr', T.MulOp, this.unaryExpr);
  addExpr = this.binaryLevel('addExpr', T.AddOp, this.mulExpr);
  cmpExpr = this.binaryLevel('cmpExpr', T.CmpOp, this.addExpr);
  andExpr = this.binaryLevel('andExpr', T.AndOp, this.cmpExpr);
  orExpr = this.binaryLevel('orExpr', T.OrOp, this.andExpr);

  postfixExpr = this.RULE('postfixExpr', (): Expr => {
    let e = this.SUBRULE(this.primary);
    this.MANY(() => this.OR([
      alt(
        () => {
          // Durations are checked as soon as they are read, as Prometheus does.
          const open = this.CONSUME(T.LBracket);
          const rangeTok = this.CONSUME(T.Duration);
          const rangeMs = this.ACTION(() => B.duration(rangeTok));
          let colon = false;
          let stepMs = 0;
          this.OPTION(() => {
            this.CONSUME(T.Colon);
            colon = true;
            this.OPTION2(() => {
              const stepTok = this.CONSUME2(T.Duration);
              stepMs = this.ACTION(() => B.duration(stepTok));
            });
          });
          const close = this.CONSUME(T.RBracket);
          e = this.ACTION(() => (colon
            ? B.subquery(e, rangeMs, stepMs, endOf(close))
            : B.range(e, rangeMs, { start: open.startOffset, end: endOf(close) })));
        },
      ),
      alt(
        () => {
          this.CONSUME(T.Offset);
          let negative = false;
          this.OPTION3(() => { this.CONSUME(T.Minus); negative = true; });
          const d = this.CONSUME3(T.Duration);
          e = this.ACTION(() => B.offset(e, negative ? -B.duration(d) : B.duration(d), endOf(d)));
        },
      ),
      alt(
        () => {
          this.CONSUME(T.At);
          e = this.OR2([
            alt(
              () => {
                const kw = this.OR3([alt(() => this.CONSUME(T.Start)), alt(() => this.CONSUME(T.End))]);
                this.CONSUME(T.LParen);
                const close = this.CONSUME(T.RParen);
                return this.ACTION(() => B.at(e, kw.image.toLowerCase() as 'start' | 'end', endOf(close)));
              },
            ),
            alt(
              () => {
                let sign: IToken | undefined;
                this.OPTION4(() => {
                  sign = this.OR4([alt(() => this.CONSUME2(T.Plus)), alt(() => this.CONSUME2(T.Minus))]);
                });
                const num = this.CONSUME(T.NumberLit);
                return this.ACTION(() => {
                  const lit = B.numberLiteral(num);
                  const v = sign?.image === '-' ? -lit.value : lit.value;
                  return B.at(e, B.atTimestamp(v, e.posRange), endOf(num));
                });
              },
            ),
          ]);
        },
      ),
    ]));
    return e;
  });

  primary = this.RULE('primary', (): Expr => this.OR([
    alt(() => { const t = this.CONSUME(T.NumberLit); return this.ACTION(() => B.numberLiteral(t)); }),
    alt(() => { const t = this.CONSUME(T.StringLit); return this.ACTION(() => B.stringLiteral(t)); }),
    alt(
      () => {
        const open = this.CONSUME(T.LParen);
        const inner = this.SUBRULE(this.expression);
        const close = this.CONSUME(T.RParen);
        return { kind: 'ParenExpr', expr: inner, posRange: { start: open.startOffset, end: endOf(close) } } as Expr;
      },
    ),
    alt(() => this.SUBRULE(this.aggregation), true),
    // A name with a colon is a metric name even before "(" (Prometheus lexes it differently).
    alt(() => this.SUBRULE(this.functionCall), true, () => !this.LA(1).image.includes(':')),
    alt(() => this.SUBRULE(this.vectorSelector), true),
  ]));

  aggregation = this.RULE('aggregation', (): Expr => {
    const op = this.CONSUME(T.AggregateOpTok);
    let grouping: { labels: string[]; without: boolean } | undefined;
    let body!: { args: Expr[]; end: number };
    let groupingLast = false;
    this.OR([
      alt(() => { grouping = this.SUBRULE(this.aggregateModifier); body = this.SUBRULE(this.callArgs); }),
      alt(() => {
        body = this.SUBRULE2(this.callArgs);
        this.OPTION(() => { grouping = this.SUBRULE2(this.aggregateModifier); groupingLast = true; });
      }),
    ]);
    // The node ends at the last ")" read: the body's, or the grouping's when that comes after.
    return this.ACTION(() => B.aggregate(op, grouping, body.args, endOf(this.LA(0)), groupingLast));
  });

  aggregateModifier = this.RULE('aggregateModifier', () => {
    const without = this.OR([
      alt(() => { this.CONSUME(T.By); return false; }),
      alt(() => { this.CONSUME(T.Without); return true; }),
    ]);
    const labels = this.SUBRULE(this.groupingLabels);
    return { labels, without };
  });

  functionCall = this.RULE('functionCall', (): Expr => {
    const name = this.CONSUME(T.Identifier);
    const body = this.SUBRULE(this.callArgs);
    return this.ACTION(() => B.call(name, body.args, body.end));
  });

  // `(a, b)`; Prometheus rejects a trailing comma in call arguments.
  callArgs = this.RULE('callArgs', () => {
    const args: Expr[] = [];
    this.CONSUME(T.LParen);
    this.OPTION(() => {
      args.push(this.SUBRULE(this.expression));
      this.MANY(() => {
        this.CONSUME(T.Comma);
        args.push(this.SUBRULE2(this.expression));
      });
    });
    const close = this.CONSUME(T.RParen);
    return { args, end: endOf(close) };
  });

  vectorSelector = this.RULE('vectorSelector', (): Expr => {
    let name: IToken | undefined;
    let matchers: { list: LabelMatcher[]; open: IToken; close: IToken } | undefined;
    this.OR([
      alt(
        () => {
          name = this.CONSUME(T.MetricName);
          this.OPTION(() => { matchers = this.SUBRULE(this.labelMatchers); });
        },
      ),
      alt(() => { matchers = this.SUBRULE2(this.labelMatchers); }),
    ]);
    return this.ACTION(() => {
      const first = name ?? matchers!.open;
      const last = matchers?.close ?? name!;
      const posRange: PosRange = { start: first.startOffset, end: endOf(last) };
      return B.vectorSelector(name, matchers?.list, posRange);
    });
  });

  // `{a="b", c=~"d",}`: matchers with at most one trailing comma.
  labelMatchers = this.RULE('labelMatchers', () => {
    const list: LabelMatcher[] = [];
    let open: IToken | undefined;
    const openBrace = this.CONSUME(T.LBrace);
    this.OPTION(() => {
      list.push(this.SUBRULE(this.labelMatcher));
      this.MANY(() => {
        const comma = this.CONSUME(T.Comma);
        this.ACTION(() => { if (open !== undefined) throw new B.SyntaxFault(B.tokenRange(comma), 'unexpected "," in label matching, expected identifier or "}"'); });
        open = comma;
        this.OPTION2(() => { list.push(this.SUBRULE2(this.labelMatcher)); open = undefined; });
      });
    });
    const close = this.CONSUME(T.RBrace);
    return { list, open: openBrace, close };
  });

  labelMatcher = this.RULE('labelMatcher', (): LabelMatcher => {
    const name = this.CONSUME(T.Identifier);
    const op = this.CONSUME(T.MatchOp);
    const value = this.CONSUME(T.StringLit);
    return this.ACTION(() => B.labelMatcher(name, op, value));
  });
}

/** The grammar, built once: chevrotain's self-analysis is the expensive part. */
export const grammar = new PromQLGrammar();
