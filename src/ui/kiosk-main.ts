/** Entry point of the app's start page: the kiosk with the request and schedule views. */
import './kiosk-app.js';
