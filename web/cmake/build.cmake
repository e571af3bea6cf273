# build.cmake - run by the cxm build (cmake -P) to produce the dashboard's
# files: WEB_DIR/build.mjs bundles web/src with esbuild into OUT_DIR
# (app.js, app.css, index.html). When web/node_modules is missing (no
# `npm ci` yet: scripts/install-deps.sh runs it) it writes a placeholder page
# saying so, so the C build never depends on node being there.
# Inputs: -DWEB_DIR=<source web/> -DOUT_DIR=<build dir> -DNODE=<node or empty>
if(NOT NODE OR NOT EXISTS "${WEB_DIR}/node_modules/esbuild" OR NOT EXISTS "${WEB_DIR}/node_modules/echarts")
  message(WARNING "cxm dashboard: web/node_modules missing (run scripts/install-deps.sh); embedding a placeholder page")
  file(MAKE_DIRECTORY "${OUT_DIR}")
  file(WRITE "${OUT_DIR}/index.html"
       "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>cxm</title>"
       "<p>The dashboard was not built: run <code>scripts/install-deps.sh</code> (npm ci in web/) and rebuild cxm.</p></html>\n")
  file(WRITE "${OUT_DIR}/app.js" "/* dashboard not built */\n")
  file(WRITE "${OUT_DIR}/app.css" "/* dashboard not built */\n")
  return()
endif()
execute_process(COMMAND "${NODE}" "${WEB_DIR}/build.mjs" "${OUT_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cxm dashboard: node build.mjs failed (${rc})")
endif()
