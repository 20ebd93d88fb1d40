package events

const (
	// StreamDinners holds every event the dinners service publishes.
	StreamDinners = "DINNERS"
	// DinnersSubjects is the subject filter of StreamDinners.
	DinnersSubjects = "dinners.>"

	// SeatingProposed carries eventsv1.DinnerSeatingChanged: a job proposed
	// a party at a dinner.
	SeatingProposed = "dinners.seating.proposed"
	// SeatingInvited carries eventsv1.DinnerSeatingChanged: a coordinator
	// approved it and both sides are invited.
	SeatingInvited = "dinners.seating.invited"
	// SeatingRejected carries eventsv1.DinnerSeatingChanged.
	SeatingRejected = "dinners.seating.rejected"
	// SeatingAccepted carries eventsv1.DinnerSeatingChanged: one side said yes.
	SeatingAccepted = "dinners.seating.accepted"
	// SeatingConfirmed carries eventsv1.DinnerSeatingChanged: both said yes
	// and the party holds its seats.
	SeatingConfirmed = "dinners.seating.confirmed"
	// SeatingDeclined carries eventsv1.DinnerSeatingChanged.
	SeatingDeclined = "dinners.seating.declined"
	// SeatingExpired carries eventsv1.DinnerSeatingChanged: the RSVP
	// deadline passed.
	SeatingExpired = "dinners.seating.expired"
	// SeatingWithdrawn carries eventsv1.DinnerSeatingChanged: the guest or
	// host left the programme.
	SeatingWithdrawn = "dinners.seating.withdrawn"
	// SeatingCancelled carries eventsv1.DinnerSeatingChanged: the host
	// cancelled the dinner or the guest a confirmed seat.
	SeatingCancelled = "dinners.seating.cancelled"
	// SeatingResized carries eventsv1.DinnerSeatingChanged: the party's size
	// changed.
	SeatingResized = "dinners.seating.resized"
	// SeatingHeld carries eventsv1.DinnerSeatingChanged: attendance recorded.
	SeatingHeld = "dinners.seating.held"
	// SeatingFeedback carries eventsv1.DinnerSeatingChanged: one side's
	// feedback was recorded.
	SeatingFeedback = "dinners.seating.feedback"
	// SeatingErased carries eventsv1.DinnerSeatingErased.
	SeatingErased = "dinners.seating.erased"
	// DinnersJobFinished carries eventsv1.DinnerJobFinished.
	DinnersJobFinished = "dinners.job.finished"
)
