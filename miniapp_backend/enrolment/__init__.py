"""The enrolment rules: plain functions over models, no Flask request objects (docs/DESIGN.md §2).

What lives where:
  registration/  a student's registration: filing (create, edit, submit, withdraw), the state machine, review,
                 renewal, the commitment letter, the ID photo, the duplicate rule
  suspension/    suspending the home-town enrolment: the request, the decision, polling the origin gateway
  payment/       paying: what to pay and where, recording a payment, polling the tax bureau, the window's
                 deadlines, the certificate
  messages/      subscription messages: the outbox, delivery to WeChat, the students' quota
  students/      students as WeChat users: sign-in, bearer tokens, what a student sees
  zones/         the regional zones and their settings
  imports/       Excel imports: reading workbooks, the importers, the job that runs them
  reports/       statistics and Excel exports for reviewers
  actors, audit, errors, scope, insured_register   shared by all of the above

Commit rule: nothing here calls commit(). A request, an rq job or a `flask` command is one unit of work
(miniapp_backend/unit_of_work.py): committed when it returns, rolled back when it raises. Job bodies that sweep
(polling, delivery, deadlines, imports, exports) end each batch with commit_batch(), which also keeps a claim or a
failure that must outlast the job; a part that may fail alone runs in a savepoint (db.session.begin_nested()).
"""
