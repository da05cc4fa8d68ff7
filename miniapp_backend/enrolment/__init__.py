"""The enrolment rules: plain functions over models, no Flask request objects (docs/DESIGN.md §2).

What lives where:
  registration/  a student's registration: filing (create, edit, submit, withdraw), the state machine, review,
                 renewal, the commitment letter, the ID photo, the duplicate rule, subsidised declarations
  suspension/    suspending the home-town enrolment: the request, the decision, the centre's desk, polling the
                 origin gateway
  payment/       paying: what to pay and where, recording a payment, polling the tax bureau, the window's
                 deadlines, the certificate and the receipt
  messages/      subscription messages: the outbox, delivery to WeChat, the students' quota
  students/      students as WeChat users: sign-in, bearer tokens, proof of identity, what a student sees
  zones/         the regional zones and their settings
  roster/        the school roster (学籍名单): progress per class, exemptions, reminders
  imports/       Excel imports: reading workbooks, the importers, the job that runs them
  reports/       statistics, the admin lists and their Excel exports, figures for operators
  accounts, actors, audit, errors, labels, scope, insured_register   shared by all of the above

Commit rule: nothing here calls commit(). A request, an rq job or a `flask` command is one unit of work
(miniapp_backend/unit_of_work.py): committed when it returns, rolled back when it raises. Job bodies that sweep
(polling, delivery, deadlines, imports, exports) end each batch with commit_batch(), which also keeps a claim or a
failure that must outlast the job; a part that may fail alone runs in a savepoint (db.session.begin_nested()).
"""
