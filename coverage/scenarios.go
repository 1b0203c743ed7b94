package coverage

import (
	"context"
	"time"
)

// The stored side of the what-if scenarios (issue 14, coverage/scenario
// computes them; the API saves and lists them): saved scenarios and the
// uploaded rosters of people a scenario names.

// SavedScenario is a scenario saved with its result on the rollup version it
// was computed on.
type SavedScenario struct {
	ID            string
	Name          string
	Author        string // the principal who saved it
	SavedAt       time.Time
	Year          int
	Input         string // the scenario's input as given (JSON, normalised)
	RollupVersion int64
	Result        string // the result as answered (JSON)
}

// ScenarioRosterRow is one person of an uploaded scenario roster.
type ScenarioRosterRow struct {
	NIK       string
	Kelurahan string
}

// MaxScenarioProblems is the number of rejected rows a scenario roster
// keeps the reason of.
const MaxScenarioProblems = 20

// ScenarioRoster is an uploaded list of people a scenario names for one
// category. Rows hold NIKs: personal data, never answered by the API.
type ScenarioRoster struct {
	ID         string
	Category   Category
	FileName   string
	UploadedBy string
	UploadedAt time.Time
	Rows       []ScenarioRosterRow // nil in a list (ScenarioRosters): counts only
	RowCount   int                 // valid rows kept
	Rejected   int                 // invalid rows left out
	Problems   []string            // the first MaxScenarioProblems rejected rows: row number and reason, no NIK
}

// Scenarios stores saved scenarios and scenario rosters, and looks up the
// memberships of a roster's people.
type Scenarios interface {
	// SaveScenario stores s under a new id (returned in s) and SavedAt
	// now when zero.
	SaveScenario(ctx context.Context, s *SavedScenario) error
	// SavedScenarios lists the newest n saved scenarios, newest first.
	SavedScenarios(ctx context.Context, n int) ([]SavedScenario, error)
	// SavedScenario returns one, or ENOTFOUND.
	SavedScenario(ctx context.Context, id string) (*SavedScenario, error)
	// SaveScenarioRoster stores r under a new id (returned in r).
	SaveScenarioRoster(ctx context.Context, r *ScenarioRoster) error
	// ScenarioRosters lists the newest n rosters, newest first, without
	// their rows.
	ScenarioRosters(ctx context.Context, n int) ([]ScenarioRoster, error)
	// ScenarioRoster returns one with its rows, or ENOTFOUND.
	ScenarioRoster(ctx context.Context, id string) (*ScenarioRoster, error)
	// ParticipantsByNIK returns every membership of each NIK (those with
	// none are absent).
	ParticipantsByNIK(ctx context.Context, niks []string) (map[string][]Participant, error)
}
