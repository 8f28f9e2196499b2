# packaging/generate.cmake: cmake -DCUSTODY=<custody> -DOUT=<build> -DPKG=<build>/packaging -P
# Runs the built custody to make what the package installs from the same sources as --help:
# custody.1 and custody.conf.5 (and their .gz), the bash completion, and custody.conf as
# `custody init` writes it.
file(MAKE_DIRECTORY ${PKG})
foreach(job "man;1;${OUT}/custody.1" "man;5;${OUT}/custody.conf.5"
            "completion;bash;${OUT}/custody.bash-completion" "config;--defaults;${OUT}/custody.conf")
  list(GET job 0 cmd)
  list(GET job 1 arg)
  list(GET job 2 out)
  execute_process(COMMAND ${CUSTODY} ${cmd} ${arg} OUTPUT_FILE ${out}.tmp RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "custody ${cmd} ${arg} failed (${rc})")
  endif()
  file(RENAME ${out}.tmp ${out})
endforeach()
foreach(page custody.1 custody.conf.5)
  # -n: no name or time inside, so the same page makes the same bytes.
  execute_process(COMMAND gzip -9nc INPUT_FILE ${OUT}/${page} OUTPUT_FILE ${PKG}/${page}.gz
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${page} failed (${rc})")
  endif()
endforeach()
