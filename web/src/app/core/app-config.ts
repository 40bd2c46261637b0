import { Injectable, InjectionToken, inject } from '@angular/core';

/** Where the API is when `config.json` says nothing (the API's `npm start` default). */
export const DEFAULT_API_BASE_URL = 'http://localhost:3000';

export interface OidcSettings {
  /** The issuer (its /.well-known/openid-configuration is read). */
  authority: string;
  clientId: string;
  scope?: string;
  /** The API's resource indicator (RFC 8707), when the provider needs it to issue a JWT for the API. */
  resource?: string;
  /** The provider's name on the sign-in button. */
  name?: string;
}

export interface ConfigFile {
  apiBaseUrl?: string;
  oidc?: OidcSettings;
}

export const CONFIG_FILE = new InjectionToken<ConfigFile>('config.json');

/** config.json next to index.html, read before bootstrap (plain fetch: there is no HttpClient yet). */
export async function loadConfigFile(): Promise<ConfigFile> {
  try {
    const answer = await fetch('config.json', { cache: 'no-cache' });
    if (!answer.ok) throw new Error(`config.json answered ${answer.status}`);
    return (await answer.json()) as ConfigFile;
  } catch (error) {
    console.warn(`config.json could not be read; using ${DEFAULT_API_BASE_URL}`, error);
    return {};
  }
}

@Injectable({ providedIn: 'root' })
export class AppConfig {
  private readonly file = inject(CONFIG_FILE);
  private readonly baseUrl = (this.file.apiBaseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, '');
  readonly oidc = this.file.oidc;

  get apiBaseUrl(): string {
    return this.baseUrl;
  }
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }
  isApiUrl(url: string): boolean {
    return url === this.baseUrl || url.startsWith(`${this.baseUrl}/`);
  }
}
