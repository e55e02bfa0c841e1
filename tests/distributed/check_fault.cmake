# Runs `mpirun ... fault MODE` and checks that the job fails within LIMIT seconds, with
# the expected message (EXPECT, a regular expression) in its output.
string(TIMESTAMP start "%s")
execute_process(COMMAND ${MPIRUN} -np 2 ${FLAGS} ${EXE} ${MODE}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
string(TIMESTAMP stop "%s")
math(EXPR secs "${stop} - ${start}")
message("${out}${err}")
if(status EQUAL 0)
  message(FATAL_ERROR "fault ${MODE}: the job succeeded, expected a failure")
endif()
if(secs GREATER ${LIMIT})
  message(FATAL_ERROR "fault ${MODE}: the job took ${secs} s to fail (limit ${LIMIT} s)")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "fault ${MODE}: the output does not match '${EXPECT}'")
endif()
message("fault ${MODE}: failed as expected in ${secs} s (status ${status})")
