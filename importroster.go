package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cilegon/jamsostek/coverage"
	"github.com/cilegon/jamsostek/store"
	"github.com/cilegon/jamsostek/worker"
)

func newRosterImporter(s *store.Store, logger *slog.Logger) *worker.RosterImporter {
	return &worker.RosterImporter{Store: s, Areas: coverage.Cilegon(), Logger: logger}
}

// maxPrintedRowErrors bounds the rejected rows import-roster prints per file.
const maxPrintedRowErrors = 100

// importRosterCommand imports roster spreadsheets and prints a report per
// file. It fails when a file cannot be read or a row was rejected (the valid
// rows are written all the same).
func importRosterCommand(ctx context.Context, cfg config, logger *slog.Logger, stdout io.Writer) error {
	s, err := openStore(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeStore(s, logger)
	imp := newRosterImporter(s, logger)
	var errs []error
	for _, name := range cfg.Files {
		ri, err := importFile(ctx, imp, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %d rows, %d valid (%d new, %d changed, %d unchanged), %d rejected\n",
			name, ri.Rows, ri.Valid, ri.Counts.Inserted, ri.Counts.Updated, ri.Counts.Unchanged, ri.Rejected)
		for i, e := range ri.Errors {
			if i == maxPrintedRowErrors {
				fmt.Fprintf(stdout, "  ... %d more problems\n", len(ri.Errors)-i)
				break
			}
			col := ""
			if e.Column != "" {
				col = fmt.Sprintf(" %s %q", e.Column, e.Value)
			}
			fmt.Fprintf(stdout, "  row %d%s: %s\n", e.Row, col, e.Reason)
		}
		if ri.Rejected > 0 {
			errs = append(errs, fmt.Errorf("%s: %d rows rejected", name, ri.Rejected))
		}
	}
	return errors.Join(errs...)
}

func importFile(ctx context.Context, imp *worker.RosterImporter, name string) (coverage.RosterImport, error) {
	f, err := os.Open(name)
	if err != nil {
		return coverage.RosterImport{}, err
	}
	defer f.Close()
	return imp.ImportRoster(ctx, filepath.Base(name), f)
}
