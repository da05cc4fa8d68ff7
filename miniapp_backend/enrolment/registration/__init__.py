"""A student's registration (参保登记): filing it, the state machine that moves it, review, renewal, its documents."""
