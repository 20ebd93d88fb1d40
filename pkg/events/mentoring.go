package events

const (
	// StreamMentoring holds every event the mentoring service publishes.
	StreamMentoring = "MENTORING"
	// MentoringSubjects is the subject filter of StreamMentoring.
	MentoringSubjects = "mentoring.>"

	// PairProposed carries eventsv1.MentoringPairChanged: a job proposed a pair.
	PairProposed = "mentoring.pair.proposed"
	// PairOffered carries eventsv1.MentoringPairChanged: a coordinator
	// approved the proposal and it is offered to both people.
	PairOffered = "mentoring.pair.offered"
	// PairRejected carries eventsv1.MentoringPairChanged.
	PairRejected = "mentoring.pair.rejected"
	// PairReplaced carries eventsv1.MentoringPairChanged: another mentor
	// was picked instead.
	PairReplaced = "mentoring.pair.replaced"
	// PairAccepted carries eventsv1.MentoringPairChanged: one party accepted.
	PairAccepted = "mentoring.pair.accepted"
	// PairDeclined carries eventsv1.MentoringPairChanged.
	PairDeclined = "mentoring.pair.declined"
	// PairExpired carries eventsv1.MentoringPairChanged.
	PairExpired = "mentoring.pair.expired"
	// PairWithdrawn carries eventsv1.MentoringPairChanged: a person left the
	// programme before the pair became active.
	PairWithdrawn = "mentoring.pair.withdrawn"
	// PairActivated carries eventsv1.MentoringPairChanged: both accepted.
	PairActivated = "mentoring.pair.activated"
	// PairCheckedIn carries eventsv1.MentoringCheckInRecorded.
	PairCheckedIn = "mentoring.pair.checked_in"
	// PairEnded carries eventsv1.MentoringPairChanged.
	PairEnded = "mentoring.pair.ended"
	// PairErased carries eventsv1.MentoringPairErased: the pair was erased
	// with one of its people and its earlier events purged.
	PairErased = "mentoring.pair.erased"
	// MentoringJobFinished carries eventsv1.MentoringJobFinished.
	MentoringJobFinished = "mentoring.job.finished"
)
