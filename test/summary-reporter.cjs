/**
 * Prints jest's totals as one plain line ("N passed, N failed, N skipped") after the default
 * reporter's summary, so CI logs state unambiguously that tests ran and how many.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped`;
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
