"""Suspending the home-town enrolment (暂停参保): the student's request, the decision, polling the origin gateway."""
