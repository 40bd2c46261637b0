import { bootstrapApplication } from '@angular/platform-browser';
import { App } from './app/app';
import { appConfigFor } from './app/app.config';
import { loadConfigFile } from './app/core/app-config';

// config.json first: whether the app signs in with an OpenID provider decides which providers it gets
loadConfigFile()
  .then((file) => bootstrapApplication(App, appConfigFor(file)))
  .catch((error: unknown) => console.error(error));
