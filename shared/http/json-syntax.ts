import { createScanner } from 'jsonc-parser';

/*
 * Where a JSON text breaks and what was expected there, without quoting it: V8's JSON.parse messages
 * quote the text around the error, and a request body holds secrets (custom header values, URIs).
 * jsonc-parser's scanner (Microsoft's, the one VS Code uses) tokenises; the grammar is checked here with
 * an explicit stack, so a 10,000-deep body costs no recursion.
 */
export interface JsonSyntaxError {
  /** 1-based line and column (in characters) of the offending token. */
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

// jsonc-parser declares these as const enums, which isolated modules cannot read: the same values here.
const SyntaxKind = {
  OpenBraceToken: 1,
  CloseBraceToken: 2,
  OpenBracketToken: 3,
  CloseBracketToken: 4,
  CommaToken: 5,
  ColonToken: 6,
  NullKeyword: 7,
  TrueKeyword: 8,
  FalseKeyword: 9,
  StringLiteral: 10,
  NumericLiteral: 11,
  LineCommentTrivia: 12,
  BlockCommentTrivia: 13,
  LineBreakTrivia: 14,
  Trivia: 15,
  Unknown: 16,
  EOF: 17,
} as const;
type SyntaxKind = number;
const ScanError = {
  None: 0,
  UnexpectedEndOfComment: 1,
  UnexpectedEndOfString: 2,
  UnexpectedEndOfNumber: 3,
  InvalidUnicode: 4,
  InvalidEscapeCharacter: 5,
  InvalidCharacter: 6,
} as const;
type ScanError = number;

type State = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'next' | 'end';

const SCAN_ERRORS: Readonly<Record<number, string>> = {
  [ScanError.UnexpectedEndOfString]: 'a string is not closed before the end of its line or of the body',
  [ScanError.InvalidEscapeCharacter]: 'a string has an invalid escape; use \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX',
  [ScanError.InvalidUnicode]: 'a \\u escape needs four hex digits',
  [ScanError.InvalidCharacter]: 'a string holds a control character; escape it (\\n, \\t, \\u0000)',
  [ScanError.UnexpectedEndOfNumber]: 'a number ends early',
  [ScanError.UnexpectedEndOfComment]: 'a comment is not closed (and JSON has no comments)',
};

const EXPECTED: Record<State, string> = {
  value: 'a value (string, number, object, array, true, false or null)',
  valueOrClose: "a value or ']'",
  key: 'a property name in double quotes',
  keyOrClose: "a property name in double quotes or '}'",
  colon: "':' after the property name",
  next: "',' or the closing bracket",
  end: 'the end of the body',
};

function found(kind: SyntaxKind): string {
  switch (kind) {
    case SyntaxKind.EOF:
      return 'the end of the body';
    case SyntaxKind.StringLiteral:
      return 'a string';
    case SyntaxKind.NumericLiteral:
      return 'a number';
    case SyntaxKind.TrueKeyword:
    case SyntaxKind.FalseKeyword:
    case SyntaxKind.NullKeyword:
      return 'a literal';
    case SyntaxKind.OpenBraceToken:
      return "'{'";
    case SyntaxKind.CloseBraceToken:
      return "'}'";
    case SyntaxKind.OpenBracketToken:
      return "'['";
    case SyntaxKind.CloseBracketToken:
      return "']'";
    case SyntaxKind.CommaToken:
      return "','";
    case SyntaxKind.ColonToken:
      return "':'";
    default:
      return 'an unquoted word or character';
  }
}

const isScalar = (k: SyntaxKind) =>
  k === SyntaxKind.StringLiteral ||
  k === SyntaxKind.NumericLiteral ||
  k === SyntaxKind.TrueKeyword ||
  k === SyntaxKind.FalseKeyword ||
  k === SyntaxKind.NullKeyword;

/** The first syntax error of `text`, or undefined when the scanner finds none (JSON.parse is the judge). */
export function locateJsonError(text: string): JsonSyntaxError | undefined {
  const scanner = createScanner(text, false);
  const stack: ('{' | '[')[] = [];
  let state: State = 'value';
  const at = (problem: string): JsonSyntaxError => ({
    line: scanner.getTokenStartLine() + 1,
    column: scanner.getTokenStartCharacter() + 1,
    problem,
  });
  const afterValue = (): State => (stack.length > 0 ? 'next' : 'end');
  for (;;) {
    const kind: SyntaxKind = scanner.scan();
    if (kind === SyntaxKind.Trivia || kind === SyntaxKind.LineBreakTrivia) continue;
    const scanError: ScanError = scanner.getTokenError();
    if (scanError !== ScanError.None) return at(SCAN_ERRORS[scanError] ?? 'the text cannot be read as JSON');
    if (kind === SyntaxKind.LineCommentTrivia || kind === SyntaxKind.BlockCommentTrivia) return at('JSON has no comments');
    const unexpected = () => at(`expected ${EXPECTED[state]}, found ${found(kind)}`);
    switch (state) {
      case 'value':
      case 'valueOrClose':
        if (state === 'valueOrClose' && kind === SyntaxKind.CloseBracketToken) {
          stack.pop();
          state = afterValue();
        } else if (kind === SyntaxKind.OpenBraceToken) {
          stack.push('{');
          state = 'keyOrClose';
        } else if (kind === SyntaxKind.OpenBracketToken) {
          stack.push('[');
          state = 'valueOrClose';
        } else if (isScalar(kind)) state = afterValue();
        else return unexpected();
        break;
      case 'key':
      case 'keyOrClose':
        if (state === 'keyOrClose' && kind === SyntaxKind.CloseBraceToken) {
          stack.pop();
          state = afterValue();
        } else if (kind === SyntaxKind.StringLiteral) state = 'colon';
        else return unexpected();
        break;
      case 'colon':
        if (kind !== SyntaxKind.ColonToken) return unexpected();
        state = 'value';
        break;
      case 'next': {
        const inObject = stack[stack.length - 1] === '{';
        if (kind === SyntaxKind.CommaToken) state = inObject ? 'key' : 'value';
        else if (kind === (inObject ? SyntaxKind.CloseBraceToken : SyntaxKind.CloseBracketToken)) {
          stack.pop();
          state = afterValue();
        } else return at(`expected ',' or '${inObject ? '}' : ']'}', found ${found(kind)}`);
        break;
      }
      case 'end':
        if (kind === SyntaxKind.EOF) return undefined;
        return unexpected();
    }
  }
}
