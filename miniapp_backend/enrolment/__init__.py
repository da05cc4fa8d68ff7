"""The enrolment rules: plain functions over models, no Flask request objects."""
