/** Reading through an undefined name, which Jinja2 reports (nunjucks printed nothing). */
export class UndefinedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndefinedError';
  }
}
