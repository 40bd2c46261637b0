import { inject } from '@angular/core';
import { Router, type Routes } from '@angular/router';
import { Session } from './core/session';
import { OrderHistoryPage } from './orders/order-history-page';
import { OrderStatusPage } from './orders/order-status-page';
import { ShopPage } from './shop/shop-page';
import { SignInPage } from './sign-in/sign-in-page';

const signedIn = () => inject(Session).signedIn() || inject(Router).createUrlTree(['/sign-in']);

export const routes: Routes = [
  // the provider's redirect: checkAuth (an app initializer) has already exchanged the code and gone on to /shop
  { path: 'auth/callback', redirectTo: 'shop' },
  { path: 'sign-in', component: SignInPage, title: 'Sign in · Checkout demo' },
  { path: 'shop', component: ShopPage, canActivate: [signedIn], title: 'Shop · Checkout demo' },
  { path: 'orders', component: OrderHistoryPage, canActivate: [signedIn], title: 'Orders · Checkout demo' },
  { path: 'orders/:id', component: OrderStatusPage, canActivate: [signedIn], title: 'Order · Checkout demo' },
  { path: '', pathMatch: 'full', redirectTo: 'shop' },
  { path: '**', redirectTo: 'shop' },
];
