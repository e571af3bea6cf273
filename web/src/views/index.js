// views/index.js - the dashboard's views, in page order. A view is a module
// exporting {id, title (an i18n key), queries (names from queries.js, or its
// own: add a builder to QUERIES), render(el, data, ctx)}. A cohort heatmap or
// a funnel (for stream families cxm does not have yet) is one more module here.
import kpi from './kpi.js';
import trends from './trends.js';
import distributions from './distributions.js';
import sla from './sla.js';
import backlog from './backlog.js';

export const VIEWS = [kpi, trends, distributions, sla, backlog];
