package events

const (
	// StreamGuides holds every event the guides service publishes.
	StreamGuides = "GUIDES"
	// GuidesSubjects is the subject filter of StreamGuides.
	GuidesSubjects = "guides.>"

	// AssignmentChanged carries eventsv1.AssignmentChanged: an assignment
	// of a newcomer to a guide organisation was proposed, approved,
	// accepted, assigned, ended, rejected, declined or withdrawn.
	AssignmentChanged = "guides.assignment.changed"
	// EligibilityRulesChanged carries eventsv1.EligibilityRulesChanged: an
	// administrator changed who is entitled to a guide (the audit record
	// of the change).
	EligibilityRulesChanged = "guides.rules.changed"
	// GuideJobFinished carries eventsv1.GuideJobFinished.
	GuideJobFinished = "guides.job.finished"
)
