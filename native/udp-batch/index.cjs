'use strict';
// The compiled addon; see src/udp_batch.c for the API.
module.exports = require('./build/Release/udp_batch.node');
