'use strict';
// The compiled addon; see src/*.c for the API.
module.exports = require('./build/Release/tsdiag_native.node');
