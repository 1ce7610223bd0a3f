/**
 * Bad input to a figure builder or the HTML report (a missing field, a non-numeric value, a bad
 * option). The report layer reads plain records only and may not import src/core (DESIGN.md), so it
 * has its own error class; the Node adapter (src/node/report-render.ts) turns it into a `UserError`
 * (one line, CLI exit 2). Messages name the field and the fix.
 */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}
