DROP TABLE feedback_reads;
